using Amazon.DynamoDBv2.Model;

namespace Gateway.Migration.Items;

/// <summary>A Scan filter: items whose <see cref="Attribute"/> equals <see cref="Value"/> (one organization's legacy items).</summary>
internal sealed record ScanFilter(string Attribute, string Value)
{
    public void Apply(ScanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.FilterExpression = "#a = :v";
        request.ExpressionAttributeNames = new Dictionary<string, string> { ["#a"] = Attribute };
        request.ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":v"] = new AttributeValue { S = Value } };
    }
}
