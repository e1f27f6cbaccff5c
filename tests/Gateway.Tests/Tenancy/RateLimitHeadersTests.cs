using Gateway.Isolation.RateLimiting;
using Gateway.Tenancy;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Tenancy;

public sealed class RateLimitHeadersTests
{
    [Fact]
    public void Write_TiersAndShapesInTurn_EachResponseGetsItsOwnPolicyAndState()
    {
        var statuses = new[]
        {
            new RateLimitStatus("default", 400, 2, 399, 1),
            new RateLimitStatus("default", 400, 2, 12, 2),
            new RateLimitStatus("enterprise", 4000, 2, 3999, 1),
            new RateLimitStatus("default", 400, 2, 0, 2),
            new RateLimitStatus("default", 100, 1, 7, 1), // the tier's configuration reloaded: same name, another shape
            new RateLimitStatus("default", 100, 2, 7, 1),
            new RateLimitStatus("enterprise", 4000, 2, 1, 1),
        };

        foreach (var status in statuses)
        {
            var response = new DefaultHttpContext().Response;

            RateLimitHeaders.Write(response, status);

            Assert.Equal($"\"{status.Tier}\";q={status.Quota};w={status.WindowSeconds}", response.Headers[RateLimitHeaders.PolicyHeader].ToString());
            Assert.Equal($"\"{status.Tier}\";r={status.Remaining};t={status.ResetSeconds}", response.Headers[RateLimitHeaders.StateHeader].ToString());
        }
    }

    [Fact]
    public void Write_NoStatus_NoHeaders()
    {
        var response = new DefaultHttpContext().Response;

        RateLimitHeaders.Write(response, null);

        Assert.False(response.Headers.ContainsKey(RateLimitHeaders.PolicyHeader));
        Assert.False(response.Headers.ContainsKey(RateLimitHeaders.StateHeader));
    }
}
