using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Gateway.Isolation.Configuration;

/// <summary>A validated IAM role ARN: <c>arn:{partition}:iam::{12-digit account}:role/{path/}name</c>.</summary>
public readonly partial record struct RoleArn
{
    private RoleArn(string value, string partition, string accountId)
    {
        Value = value;
        Partition = partition;
        AccountId = accountId;
    }

    public string Value { get; }

    public string Partition { get; }

    public string AccountId { get; }

    public static bool TryParse([NotNullWhen(true)] string? value, out RoleArn roleArn)
    {
        roleArn = default;
        if (value is null)
        {
            return false;
        }

        var match = Pattern().Match(value);
        if (!match.Success)
        {
            return false;
        }

        roleArn = new RoleArn(value, match.Groups["partition"].Value, match.Groups["account"].Value);
        return true;
    }

    public override string ToString() => Value ?? string.Empty;

    [GeneratedRegex(@"^arn:(?<partition>aws|aws-cn|aws-us-gov):iam::(?<account>\d{12}):role/(?:[\x21-\x7E]{1,511}/)?[\w+=,.@-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
