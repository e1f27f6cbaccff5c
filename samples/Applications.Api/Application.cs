using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace Applications.Api;

/// <summary>An application as the API returns it.</summary>
internal sealed record Application(string OrganizationId, string ApplicationId, string Name, string? CreatedAt, string? CreatedBy)
{
    public static Application FromItem(Dictionary<string, AttributeValue> item) => new(
        Text(item, "organizationId") ?? string.Empty,
        Text(item, "applicationId") ?? string.Empty,
        Text(item, "name") ?? string.Empty,
        Text(item, "createdAt"),
        Text(item, "createdBy"));

    public Dictionary<string, AttributeValue> ToItem() => new(StringComparer.Ordinal)
    {
        ["organizationId"] = new AttributeValue { S = OrganizationId },
        ["applicationId"] = new AttributeValue { S = ApplicationId },
        ["name"] = new AttributeValue { S = Name },
        ["createdAt"] = new AttributeValue { S = CreatedAt ?? DateTimeOffset.UnixEpoch.ToString("O", CultureInfo.InvariantCulture) },
        ["createdBy"] = new AttributeValue { S = CreatedBy ?? string.Empty },
    };

    private static string? Text(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S : null;
}

/// <summary>Body of <c>POST /applications</c>.</summary>
internal sealed record CreateApplicationRequest(string? Name);

/// <summary>Body of <c>GET /applications</c> (without <c>limit</c>).</summary>
internal sealed record ApplicationList(string OrganizationId, IReadOnlyList<Application> Applications);

/// <summary>
/// Body of <c>GET /applications?limit=N[&amp;paginationToken=T]</c>: one page in <c>applicationId</c> order across every
/// shard, and the token of the next page (null on the last).
/// </summary>
internal sealed record ApplicationPage(string OrganizationId, IReadOnlyList<Application> Applications, string? PaginationToken);

/// <summary>Body of <c>GET /whoami</c>: identity only, never credentials.</summary>
internal sealed record WhoAmI(string OrganizationId, string UserId, string Role, string RequestId);
