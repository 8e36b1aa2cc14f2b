using System.Net;

namespace Dedup.Storage.S3;

/// <summary>
/// Minio SDK 7.0.0 sends a HEAD with the Range header before a ranged GET and throws on the server's correct
/// 206 answer to it. Turning that one answer into a 200 lets ranged GETs work; the Range header itself is
/// signed and must stay.
/// </summary>
internal sealed class HeadPartialContentFix : DelegatingHandler
{
    public HeadPartialContentFix() : base(new HttpClientHandler()) { }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.Method == HttpMethod.Head && response.StatusCode == HttpStatusCode.PartialContent)
            response.StatusCode = HttpStatusCode.OK;
        return response;
    }
}
