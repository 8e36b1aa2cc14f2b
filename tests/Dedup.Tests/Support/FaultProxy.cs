using System.Net;
using System.Net.Sockets;

namespace Dedup.Tests.Support;

/// <summary>
/// A TCP proxy in front of the real S3 server that fails like a network does: forward, stop (the server is down:
/// connection refused, open connections reset), or hang (accept and never answer). The server stays real; only
/// the path to it breaks.
/// </summary>
public sealed class FaultProxy : IDisposable
{
    public enum Mode { Forward, Hang }

    private int _throttle;

    /// <summary>The next <paramref name="connections"/> connections get "503 SlowDown" (S3's throttling answer) and are closed.</summary>
    public void Throttle(int connections) => Interlocked.Exchange(ref _throttle, connections);

    private readonly IPEndPoint _target;
    private readonly List<TcpClient> _open = [];
    private TcpListener? _listener;
    private long _bytesUp;

    public FaultProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Start();
    }

    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public Mode Current { get; set; } = Mode.Forward;
    /// <summary>Bytes the client has sent through the proxy (uploads dominate).</summary>
    public long BytesUp => Interlocked.Read(ref _bytesUp);

    public void Start()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _ = AcceptLoop(_listener);
    }

    /// <summary>The server goes away: new connections are refused and open ones are reset.</summary>
    public void Stop()
    {
        _listener?.Stop();
        _listener = null;
        lock (_open)
        {
            foreach (var client in _open)
            {
                try
                {
                    // Linger 0: close sends RST, as a crashed server's kernel would.
                    if (client.Client is { } socket) socket.LingerState = new LingerOption(true, 0);
                    client.Close();
                }
                catch (Exception e) when (e is ObjectDisposedException or SocketException) { }
            }
            _open.Clear();
        }
    }

    private async Task AcceptLoop(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException) { return; }
            lock (_open) _open.Add(client);
            if (Current == Mode.Hang) continue; // accepted, never answered
            if (Interlocked.Decrement(ref _throttle) >= 0) { _ = SlowDown(client); continue; }
            _ = Relay(client);
        }
    }

    private async Task Relay(TcpClient client)
    {
        using var server = new TcpClient();
        lock (_open) _open.Add(server);
        try
        {
            await server.ConnectAsync(_target);
            var up = Pump(client.GetStream(), server.GetStream(), count: true);
            var down = Pump(server.GetStream(), client.GetStream(), count: false);
            await Task.WhenAny(up, down);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException) { }
        finally
        {
            client.Close();
        }
    }

    private static async Task SlowDown(TcpClient client)
    {
        const string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
        string response = $"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
        try
        {
            var stream = client.GetStream();
            var buffer = new byte[16 * 1024];
            int seen = 0;
            // Answer once the request head has arrived (the body, if any, is left unread, as servers do).
            while (seen < buffer.Length && System.Text.Encoding.ASCII.GetString(buffer, 0, seen).IndexOf("\r\n\r\n", StringComparison.Ordinal) < 0)
            {
                int n = await stream.ReadAsync(buffer.AsMemory(seen));
                if (n == 0) break;
                seen += n;
            }
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(response));
            await stream.FlushAsync();
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException) { }
        finally { client.Close(); }
    }

    private async Task Pump(NetworkStream from, NetworkStream to, bool count)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, n));
                if (count) Interlocked.Add(ref _bytesUp, n);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException) { }
    }

    public void Dispose() => Stop();
}
