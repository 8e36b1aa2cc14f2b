using System.Net;

namespace Dedup.Storage.S3;

/// <summary>
/// Two answers Minio SDK 7.0.0 mishandles, corrected before it sees them:
/// <list type="bullet">
/// <item>It sends a HEAD with the Range header before a ranged GET and throws on the server's correct 206 answer
/// to it. Turning that one answer into a 200 lets ranged GETs work; the Range header itself is signed and must stay.</item>
/// <item>A throttling or server-error answer to a HEAD (no body to parse) makes it throw NullReferenceException.
/// Those answers (429, 5xx) become an <see cref="HttpRequestException"/> carrying the status, which the store
/// reports as transient and the retry layer retries.</item>
/// </list>
/// </summary>
internal sealed class SdkResponseFixes : DelegatingHandler
{
    public SdkResponseFixes() : base(new HttpClientHandler()) { }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.Method == HttpMethod.Head && response.StatusCode == HttpStatusCode.PartialContent)
            response.StatusCode = HttpStatusCode.OK;
        int status = (int)response.StatusCode;
        if (status == 429 || status >= 500)
        {
            string reason = $"{status} {response.ReasonPhrase}";
            if (request.Method != HttpMethod.Head)
            {
                string body = await response.Content.ReadAsStringAsync(cancellationToken);
                int start = body.IndexOf("<Code>", StringComparison.Ordinal), end = body.IndexOf("</Code>", StringComparison.Ordinal);
                if (start >= 0 && end > start) reason += $" ({body[(start + 6)..end]})";
            }
            response.Dispose();
            throw new HttpRequestException($"the server answered {reason}", null, response.StatusCode);
        }
        return response;
    }
}
