using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Dedup.Tests.Support;

/// <summary>A small HTTP server on 127.0.0.1 standing in for healthchecks.io, Uptime Kuma or ntfy: it answers 200 to
/// everything and records "METHOD /path" of each request, in order.</summary>
public sealed class PingServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Task _loop;

    public PingServer()
    {
        int port = FreePort();
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; }

    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>A URL nothing listens on: a ping there fails at once (connection refused).</summary>
    public static string DeadUrl() => $"http://127.0.0.1:{FreePort()}/dead";

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _requests.Enqueue($"{context.Request.HttpMethod} {context.Request.Url!.AbsolutePath}");
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
