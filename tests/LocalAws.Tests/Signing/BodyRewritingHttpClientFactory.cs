using System.Text;
using Amazon.Runtime;

namespace LocalAws.Tests.Signing;

/// <summary>Lets an SDK client sign a request and then changes its body on the wire (a tampering man in the middle).</summary>
internal sealed class BodyRewritingHttpClientFactory(string find, string replace) : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new RewritingHandler(find, replace));

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => true;

    private sealed class RewritingHandler(string find, string replace) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null)
            {
                var body = await request.Content.ReadAsStringAsync(cancellationToken);
                var headers = request.Content.Headers.ToList();
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.Replace(find, replace, StringComparison.Ordinal)));
                foreach (var (name, values) in headers)
                {
                    if (!string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
                    {
                        request.Content.Headers.TryAddWithoutValidation(name, values);
                    }
                }
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
