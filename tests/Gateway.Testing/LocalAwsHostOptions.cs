namespace Gateway.Testing;

/// <summary>How <see cref="LocalAwsHost"/> starts LocalAws.</summary>
public sealed record LocalAwsHostOptions
{
    /// <summary>Write the demo items (tables are always created). Default true; false passes <c>--no-seed</c>.</summary>
    public bool Seed { get; init; } = true;

    /// <summary>Persist dynalite data here (<c>--data-dir</c>); null = in memory.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Use this DynamoDB-compatible endpoint instead of starting dynalite (<c>--dynamodb-upstream</c>).</summary>
    public Uri? DynamoDbUpstream { get; init; }

    /// <summary>Replace the identity config (<c>--config FILE</c>).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>SSM SecureString parameters LocalAws serves (<c>--ssm-parameter NAME=VALUE</c> each).</summary>
    public IReadOnlyDictionary<string, string> SsmParameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra environment variables for the LocalAws process.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Start-up limit (includes a first-time <c>npm ci</c> of dynalite).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(120);
}
