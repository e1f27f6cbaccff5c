using System.Globalization;
using System.Text.Json;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Permissions;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Microsoft.Extensions.Options;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Cli;

/// <summary>
/// <c>Gateway.dll report --out DIR [--verify-json FILE] [--template FILE]</c>: writes the compliance evidence pack
/// <c>DIR/report.html</c> (self-contained) and <c>DIR/report.md</c> from the live configuration (read as
/// <see cref="PolicyCommand"/> reads it) and the CloudFormation template (default
/// <c>deploy/cloudformation/tenant-gateway.yaml</c> under the current directory): the access matrix, each permission
/// set's exact session policy with the properties it guarantees and the tests that prove them, the template's IAM
/// resources, the latest <c>verify --json</c> result when given, and the CloudTrail queries that reconstruct one
/// organization's access. Never a secret: no credentials, keys or envelope keys are read into the report.
/// Bad input → exit 2 and one line on stderr.
/// </summary>
internal static class ReportCommand
{
    public const int Usage = CliArguments.Usage;
    public const string HtmlFile = "report.html";
    public const string MarkdownFile = "report.md";
    public const string DefaultTemplate = "deploy/cloudformation/tenant-gateway.yaml";

    /// <summary>The organization the example session policies and CloudTrail queries are written for.</summary>
    public const string ExampleOrganization = "acme";

    /// <summary>Section ids, in order (the HTML's <c>section id</c>s and the Markdown anchors).</summary>
    public static readonly IReadOnlyList<string> SectionIds = ["summary", "access-matrix", "session-policies", "template-iam", "verification", "cloudtrail"];

    private const string UsageText = "usage: Gateway report --out DIR [--verify-json FILE] [--template FILE]";

    /// <summary>What every session policy guarantees, and the tests (file: method) that prove it.</summary>
    internal static readonly IReadOnlyList<(string Property, string[] Tests)> Guarantees =
    [
        ("Every Allow statement requires dynamodb:LeadingKeys to be exactly the caller's organization (ForAllValues:StringEquals) and present (Null dynamodb:LeadingKeys = false), so Scan, key-less PartiQL and DescribeTable are never allowed.",
            ["tests/Gateway.Policies.Tests/SessionPolicies/SessionPolicyBuilderTests.cs: Build_EveryStatement_IsGuardedAndExplicit",
             "tests/Gateway.Policies.Tests/Properties/TenantIsolationProperties.cs: RequestNamingAnotherOrganizationsPartition_IsDenied_AndItsOwnTwinAllowed",
             "tests/Gateway.Policies.Tests/Properties/TenantIsolationProperties.cs: TwoOrganizations_GeneratesEveryKindOfNearMiss"]),
        ("Explicit action lists only (no wildcard action); only the configured tables and their organization-partitioned indexes.",
            ["tests/Gateway.Policies.Tests/SessionPolicies/SessionPolicyBuilderTests.cs: Build_EveryStatement_IsGuardedAndExplicit",
             "tests/Gateway.Policies.Tests/Properties/TenantIsolationProperties.cs: QueryOnIndexOutsideAnExplicitList_IsDenied_AndOnAListedIndexAllowed",
             "tests/Gateway.Policies.Tests/SessionPolicies/SessionPolicyBuilderTests.cs: IndexWildcard_OnTableWithNonOrgIndex_IsTheDocumentedTrap_ExplicitIndexesCloseIt"]),
        ("The policy fits STS's 2,048-character limit for the longest valid organization id; the gateway refuses to start otherwise.",
            ["tests/Gateway.Policies.Tests/SessionPolicies/SessionPolicyBuilderTests.cs: WorstCaseLength_ShippedPermissionSets_FitInStsLimit",
             "tests/Gateway.Policies.Tests/SessionPolicies/SessionPolicyBuilderTests.cs: Build_AboveLimit_ThrowsTypedError"]),
        ("No organization id can change the policy's structure: ids are validated against a strict pattern and the policy is written with a JSON writer.",
            ["tests/Gateway.Policies.Tests/SessionPolicies/SessionPolicyBuilderTests.cs: Build_InjectionAttempt_CannotReachThePolicy",
             "tests/Gateway.Policies.Tests/SessionPolicies/SessionPolicyBuilderTests.cs: SessionPolicySources_DoNotConcatenateJson",
             "tests/Gateway.Policies.Tests/Properties/TenantIsolationProperties.cs: OrganizationId_RejectsEveryStringWithAForbiddenCharacter"]),
        ("The tenant role can only be assumed by the gateway, with a SourceIdentity; its identity policy allows item actions on tenant tables only with a partition key.",
            ["tests/Deploy.Tests/TemplateIamEvaluationTests.cs: Trust_AnyOtherPrincipal_IsRefused",
             "tests/Deploy.Tests/TemplateIamEvaluationTests.cs: Trust_SessionWithoutSourceIdentity_IsRefused",
             "tests/Deploy.Tests/TemplateIamEvaluationTests.cs: TenantRole_RefusesRequestsWithoutPartitionKeyAndOtherTables"]),
    ];

    public static int Run(string[] args, VerbHost host, TimeProvider time, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (CliArguments.TryRead("report", args, UsageText, ["--out", "--verify-json", "--template"], stdout, stderr, out var values) is { } exit)
        {
            return exit;
        }

        var output = values.GetValueOrDefault("--out");
        var verifyJson = values.GetValueOrDefault("--verify-json");
        var template = values.GetValueOrDefault("--template");

        if (output is null)
        {
            return CliArguments.Fail(stderr, $"report: --out is required. {UsageText}");
        }

        template ??= Path.Combine(host.ContentRoot, DefaultTemplate);
        if (!File.Exists(template))
        {
            return CliArguments.Fail(stderr, $"report: CloudFormation template '{CliArguments.Truncate(template)}' not found; run from the repository root or pass --template FILE.");
        }

        VerifyResult? verify = null;
        if (verifyJson is not null)
        {
            if (!File.Exists(verifyJson))
            {
                return CliArguments.Fail(stderr, $"report: verify result '{CliArguments.Truncate(verifyJson)}' not found (write it with: Gateway verify --json FILE).");
            }

            verify = VerifyResult.TryRead(verifyJson);
            if (verify is null)
            {
                return CliArguments.Fail(stderr, $"report: '{CliArguments.Truncate(verifyJson)}' is not a Gateway verify --json result (expected {{\"checks\": [...], \"passed\": N, \"failed\": N}}).");
            }
        }

        var configuration = PolicyCommand.LoadConfiguration(host.ContentRoot);
        using var services = PolicyCommand.BuildServices(configuration, host);
        TenantIsolationOptions options;
        PermissionSetCatalog catalog;
        try
        {
            var failures = GatewayConfiguration.ValidateAll(services);
            if (failures.Count == 0)
            {
                options = services.GetRequiredService<IOptions<TenantIsolationOptions>>().Value;
                catalog = services.GetRequiredService<PermissionSetCatalog>();
            }
            else
            {
                return CliArguments.Fail(stderr, $"report: configuration is invalid ({failures.Count} error(s); read {configuration.DescribeSources()}): {string.Join("; ", failures)}");
            }
        }
        catch (InvalidOperationException ex)
        {
            return CliArguments.Fail(stderr, $"report: configuration cannot be read ({configuration.DescribeSources()}): {ex.Message}");
        }

        EvidenceDocument document;
        try
        {
            document = Build(options, catalog, File.ReadAllLines(template), Path.GetFullPath(template), configuration.DescribeSources(), verify, verifyJson, time.GetUtcNow());
        }
        catch (SessionPolicyTooLargeException ex)
        {
            return CliArguments.Fail(stderr, $"report: {ex.Message}");
        }
        catch (YamlException ex)
        {
            return CliArguments.Fail(stderr, $"report: CloudFormation template '{CliArguments.Truncate(template)}' is not YAML (line {ex.Start.Line}): {ex.Message}");
        }

        try
        {
            Directory.CreateDirectory(output);
            File.WriteAllText(Path.Combine(output, HtmlFile), document.ToHtml());
            File.WriteAllText(Path.Combine(output, MarkdownFile), document.ToMarkdown());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return CliArguments.Fail(stderr, $"report: cannot write to '{CliArguments.Truncate(output)}': {ex.Message}");
        }

        stdout.WriteLine($"report: wrote {Path.Combine(output, HtmlFile)} and {Path.Combine(output, MarkdownFile)} ({options.Roles.Count} role(s), {catalog.Sets.Count} permission set(s){(verify is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", verify {verify.Passed} passed / {verify.Failed} failed"))})");
        return 0;
    }

    internal static EvidenceDocument Build(
        TenantIsolationOptions options, PermissionSetCatalog catalog, string[] templateLines, string templatePath, string sources, VerifyResult? verify, string? verifyPath, DateTimeOffset now)
    {
        var document = new EvidenceDocument("Tenant gateway: isolation evidence");
        var organization = OrganizationId.Parse(ExampleOrganization);
        var builder = new SessionPolicyBuilder(catalog.Scope);
        var roleArn = options.RoleArn ?? "(not configured)";

        document.Add(SectionIds[0], "Summary")
            .Table(["item", "value"],
            [
                ["generated at", now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)],
                ["configuration", sources],
                ["CloudFormation template", templatePath],
                ["isolation mode", options.Mode.ToString()],
                ["tenant role", roleArn],
                ["credential scope", $"{options.CredentialScope} (one STS session per {(options.CredentialScope == CredentialScope.User ? "organization, permission set and user" : "organization and permission set")})"],
                ["credential lifetime", options.CredentialLifetime.ToString("c", CultureInfo.InvariantCulture)],
                ["tenant tables", string.Join(", ", options.Tables.Keys.Order(StringComparer.Ordinal))],
                ["roles", string.Join(", ", options.Roles.Keys.Order(StringComparer.Ordinal))],
                ["permission sets", string.Join(", ", catalog.Sets.Keys.Order(StringComparer.Ordinal))],
                ["verify result", verify is null ? "not provided (--verify-json)" : string.Create(CultureInfo.InvariantCulture, $"{verify.Passed} passed, {verify.Failed} failed")],
            ]);

        var matrix = new List<IReadOnlyList<string>>();
        foreach (var (role, setName) in options.Roles.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (!catalog.TryGetByName(setName, out var set))
            {
                matrix.Add([role, setName, "(undefined permission set: the gateway denies role_not_mapped)", "", "", ""]);
                continue;
            }

            foreach (var table in set.Tables.OrderBy(t => t.TableName, StringComparer.Ordinal))
            {
                matrix.Add([role, set.Name, table.TableName, table.PartitionKey, Indexes(table), string.Join(", ", Actions(table))]);
            }
        }

        document.Add(SectionIds[1], "Access matrix")
            .Paragraph("Membership role (OrganizationUsers) → permission set → what its STS session may do. Every action is limited to items whose partition key equals the caller's organization.")
            .Table(["role", "permission set", "table", "partition key", "indexes", "actions"], matrix);

        var policies = document.Add(SectionIds[2], "Session policies")
            .Paragraph($"The exact document the gateway sends to STS AssumeRole for organization '{ExampleOrganization}' (every organization gets the same document with its own id; `Gateway policy --organization ORG --permission-set SET` prints it for any organization).")
            .Heading("Guaranteed properties and the tests that prove them")
            .Table(["property", "proved by"], Guarantees.Select(g => (IReadOnlyList<string>)[g.Property, string.Join("\n", g.Tests)]));
        foreach (var set in catalog.Sets.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            policies.Heading($"Permission set {set.Name}");
            if (options.Mode == IsolationMode.Abac)
            {
                var abac = builder.BuildAbac(organization, set);
                policies.Paragraph($"ABAC mode: session tags {string.Join(", ", abac.SessionTags.Select(t => $"{t.Key}={t.Value}"))}; role policy:")
                    .Code(Indent(abac.RolePolicy.ToJson()), "json");
            }
            else
            {
                var policy = builder.Build(organization, set);
                policies.Paragraph(string.Create(CultureInfo.InvariantCulture, $"{policy.Length} of {SessionPolicyBuilder.MaxPlaintextLength} characters (worst case for any organization id and shard count: {builder.WorstCaseLength(set)}); STS session name {SessionNames.RoleSessionName(organization, set.Name, null)}."))
                    .Code(Indent(policy.Json), "json");
            }
        }

        var iam = document.Add(SectionIds[3], "Trust and identity policies (CloudFormation)")
            .Paragraph($"The IAM resources of {Path.GetFileName(templatePath)}, verbatim: the same file creates them in AWS and is what LocalAws enforces.");
        foreach (var (name, block) in IamResources(templateLines))
        {
            iam.Heading(name).Code(block, "yaml");
        }

        var verification = document.Add(SectionIds[4], "Verification result");
        if (verify is null)
        {
            verification.Paragraph("No verify result given. Run `dotnet Gateway.dll verify --json /tmp/verify.json` against the deployment and pass `--verify-json /tmp/verify.json`.");
        }
        else
        {
            verification.Paragraph(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(verifyPath)} (written {File.GetLastWriteTimeUtc(verifyPath!):yyyy-MM-dd'T'HH:mm:ss'Z'}): {verify.Passed} passed, {verify.Failed} failed."))
                .Table(["check", "expected", "observed", "result"], verify.Checks.Select(c => (IReadOnlyList<string>)[c.Name, c.Expected, c.Observed, c.Passed ? "PASS" : "FAIL"]));
        }

        document.Add(SectionIds[5], "CloudTrail: one organization's access")
            .Paragraph($"Every STS session the gateway opens for an organization is named after it and the permission set (RoleSessionName '{ExampleOrganization}+PERMISSION_SET', e.g. '{SessionNames.RoleSessionName(organization, catalog.Sets.Keys.Order(StringComparer.Ordinal).FirstOrDefault() ?? "read-write", null)}'; per-user sessions '{ExampleOrganization}+PERMISSION_SET@USER'), carries SourceIdentity (the user for per-user sessions, '{options.SourceIdentity}' for shared organization sessions), and every DynamoDB call made with it is recorded under arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION. So CloudTrail alone answers \"every access to {ExampleOrganization} in March\". DynamoDB data events must be enabled on the trail or event data store (advanced event selector resources.type = AWS::DynamoDB::Table); AssumeRole is a management event.")
            .Heading("1. The sessions opened for the organization (CloudTrail Lake)")
            .Code(AssumeRoleQuery(roleArn), "sql")
            .Heading("2. Every DynamoDB call made under those sessions (CloudTrail Lake)")
            .Code(DataEventsQuery(), "sql")
            .Heading("3. The gateway's own audit trail for the same window")
            .Code($"dotnet Gateway.dll audit --organization {ExampleOrganization} --from 2026-03-01 --to 2026-04-01 gateway-*.log", "sh")
            .Paragraph("The audit events' session field equals CloudTrail's roleSessionName and their traceId/requestId tie each call to one gateway request.");
        return document;
    }

    private static string AssumeRoleQuery(string roleArn) => $"""
        SELECT eventTime,
               element_at(requestParameters, 'roleSessionName') AS session,
               element_at(requestParameters, 'sourceIdentity') AS sourceIdentity,
               userIdentity.arn AS gateway, sourceIPAddress, errorCode
        FROM $EDS_ID
        WHERE eventSource = 'sts.amazonaws.com' AND eventName = 'AssumeRole'
          AND element_at(requestParameters, 'roleArn') = '{roleArn}'
          AND element_at(requestParameters, 'roleSessionName') LIKE '{ExampleOrganization}+%'
          AND eventTime >= '2026-03-01 00:00:00' AND eventTime < '2026-04-01 00:00:00'
        ORDER BY eventTime
        """;

    private static string DataEventsQuery() => $"""
        SELECT eventTime, eventName,
               element_at(requestParameters, 'tableName') AS tableName,
               userIdentity.arn AS session,
               userIdentity.sessionContext.sourceIdentity AS sourceIdentity, errorCode
        FROM $EDS_ID
        WHERE eventSource = 'dynamodb.amazonaws.com'
          AND userIdentity.arn LIKE 'arn:aws:sts::%:assumed-role/%/{ExampleOrganization}+%'
          AND eventTime >= '2026-03-01 00:00:00' AND eventTime < '2026-04-01 00:00:00'
        ORDER BY eventTime
        """;

    private static string Indexes(TableAccess table)
        => !table.IncludeIndexes ? "none" : table.Indexes is { Count: > 0 } listed ? string.Join(", ", listed) : "every index (index/*)";

    private static List<string> Actions(TableAccess table)
    {
        var actions = new List<string>();
        if (table.Read)
        {
            actions.AddRange(SessionPolicyBuilder.ReadActions);
            if (table.PartiQL)
            {
                actions.AddRange(SessionPolicyBuilder.PartiQLReadActions);
            }
        }

        if (table.Write)
        {
            actions.AddRange(SessionPolicyBuilder.WriteActions);
            if (table.PartiQL)
            {
                actions.AddRange(SessionPolicyBuilder.PartiQLWriteActions);
            }
        }

        return actions;
    }

    private static string Indent(string json)
    {
        using var parsed = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(parsed.RootElement, IndentedJson);
    }

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    /// <summary>
    /// The template's <c>AWS::IAM::*</c> resources as (logical id, verbatim YAML block), from the top-level
    /// <c>Resources:</c> map, read with YamlDotNet (CloudFormation's <c>!Ref</c>/<c>!Sub</c> tags are kept as tags). A
    /// block is the resource's lines as written, from its key to the next resource (comment lines before the next one
    /// and trailing blank lines left out).
    /// </summary>
    /// <exception cref="YamlException">The template is not YAML.</exception>
    internal static List<(string Name, string Block)> IamResources(string[] lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var resources = new List<(string, string)>();
        var yaml = new YamlStream();
        yaml.Load(new StringReader(string.Join('\n', lines)));
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("Resources"), out var node) || node is not YamlMappingNode map)
        {
            return resources;
        }

        // Marks are 1-based lines (a node's start is reliable, a mapping's end is not): a resource ends before the next
        // resource's key, the last one before the next top-level key (or at the end of the file).
        var topLevel = root.Children.Keys.ToList();
        var afterResources = topLevel.IndexOf(new YamlScalarNode("Resources")) + 1;
        var resourcesEnd = afterResources < topLevel.Count ? (int)topLevel[afterResources].Start.Line - 1 : lines.Length;
        var entries = map.Children.ToList();
        for (var i = 0; i < entries.Count; i++)
        {
            var (key, value) = (entries[i].Key, entries[i].Value);
            if (key is not YamlScalarNode { Value: { } name } || value is not YamlMappingNode resource
                || !resource.Children.TryGetValue(new YamlScalarNode("Type"), out var type)
                || type is not YamlScalarNode { Value: { } typeName } || !typeName.StartsWith("AWS::IAM::", StringComparison.Ordinal))
            {
                continue;
            }

            var first = (int)key.Start.Line - 1;
            var end = i + 1 < entries.Count ? (int)entries[i + 1].Key.Start.Line - 1 : resourcesEnd;
            while (end > first + 1 && (lines[end - 1].Trim().Length == 0 || lines[end - 1].TrimStart().StartsWith('#')))
            {
                end--;
            }

            resources.Add((name, string.Join('\n', lines[first..end]).TrimEnd()));
        }

        return resources;
    }

    /// <summary>The file <c>Gateway verify --json</c> writes.</summary>
    internal sealed record VerifyResult(IReadOnlyList<VerifyCheck> Checks, int Passed, int Failed)
    {
        public static VerifyResult? TryRead(string path)
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(path));
                var root = document.RootElement;
                var checks = root.GetProperty("checks").EnumerateArray()
                    .Select(c => new VerifyCheck(c.GetProperty("name").GetString()!, c.GetProperty("expected").GetString() ?? string.Empty, c.GetProperty("observed").GetString() ?? string.Empty, c.GetProperty("passed").GetBoolean()))
                    .ToList();
                return new VerifyResult(checks, root.GetProperty("passed").GetInt32(), root.GetProperty("failed").GetInt32());
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                return null;
            }
        }
    }

    internal sealed record VerifyCheck(string Name, string Expected, string Observed, bool Passed);
}
