namespace Gateway.Testing;

/// <summary>How <see cref="LocalAwsHost"/> starts LocalAws.</summary>
public sealed record LocalAwsHostOptions
{
    /// <summary>
    /// Listen on this loopback port instead of a free one: to restart LocalAws where its clients already point (its STS
    /// sessions live in memory, so a restart forgets them). Null (default): a free port.
    /// </summary>
    public int? Port { get; init; }

    /// <summary>Write the demo items (tables are always created). Default true; false passes <c>--no-seed</c>.</summary>
    public bool Seed { get; init; } = true;

    /// <summary>Persist dynalite data here (<c>--data-dir</c>); null = in memory.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Use this DynamoDB-compatible endpoint instead of starting dynalite (<c>--dynamodb-upstream</c>).</summary>
    public Uri? DynamoDbUpstream { get; init; }

    /// <summary>Replace the identity config (<c>--config FILE</c>).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>
    /// <c>--cloudformation FILE</c>: by default the repository's deployment template, so what LocalAws enforces is what
    /// gets deployed. Null passes none (then a <see cref="ConfigFile"/> with its own <c>Roles</c> is the IAM, e.g.
    /// <see cref="BroadIamConfigFile"/>).
    /// </summary>
    public string? CloudFormationTemplate { get; init; } = RepoPaths.Combine("deploy", "cloudformation", "tenant-gateway.yaml");

    /// <summary>Template parameter overrides (<c>--parameter Name=Value</c>).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// A hand-written IAM fixture for tests of LocalAws itself: the tenant role also allows Scan, DescribeTable and PartiQL on
    /// <c>table/*</c>, so that it is the <em>session policy</em> that must deny them. Use with <c>CloudFormationTemplate = null</c>.
    /// </summary>
    public static string BroadIamConfigFile => RepoPaths.Combine("tests", "Gateway.Testing", "Fixtures", "localaws-broad-iam.json");

    /// <summary>Options for <see cref="BroadIamConfigFile"/> instead of the template.</summary>
    public static LocalAwsHostOptions BroadIam => new() { ConfigFile = BroadIamConfigFile, CloudFormationTemplate = null };

    /// <summary>SSM SecureString parameters LocalAws serves (<c>--ssm-parameter NAME=VALUE</c> each).</summary>
    public IReadOnlyDictionary<string, string> SsmParameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra environment variables for the LocalAws process.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>LocalAws's per-partition-key throughput budget (on by default, as in DynamoDB); false passes <c>--no-partition-throughput</c>.</summary>
    public bool PartitionThroughput { get; init; } = true;

    /// <summary><c>--partition-write-units N</c> (LocalAws's default: 1,000 per second per key value).</summary>
    public int? PartitionWriteUnits { get; init; }

    /// <summary><c>--partition-read-units N</c> (LocalAws's default: 3,000 per second per key value).</summary>
    public int? PartitionReadUnits { get; init; }

    /// <summary>Start-up limit (includes a first-time <c>npm ci</c> of dynalite).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(120);
}
