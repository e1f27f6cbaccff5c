using System.Globalization;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Isolation.Configuration;

/// <summary>
/// <c>TenantIsolation:Tables</c>, <c>:PermissionSets</c> and <c>:Roles</c>: table and index names by Gateway.Policies'
/// rule (<see cref="SessionPolicyBuilder.IsValidTableName"/>), every permission set grants existing tables, every role
/// maps to a defined set, and (session-policy mode) each set's worst-case session policy fits what STS accepts.
/// </summary>
internal static class PermissionSetsValidator
{
    public static void Validate(TenantIsolationOptions o, string section, List<string> errors)
    {
        if (o.Tables.Count == 0)
        {
            errors.Add($"{section}:Tables must list at least one tenant table with its partition key.");
        }

        foreach (var (table, options) in o.Tables)
        {
            if (!SessionPolicyBuilder.IsValidTableName(table))
            {
                errors.Add($"{section}:Tables:{table} is not a valid DynamoDB table name (3-255 of [A-Za-z0-9_.-]).");
            }

            if (string.IsNullOrWhiteSpace(options?.PartitionKey))
            {
                errors.Add($"{section}:Tables:{table}:PartitionKey is required.");
            }

            for (var i = 0; options?.Indexes is { } indexes && i < indexes.Count; i++)
            {
                if (!SessionPolicyBuilder.IsValidTableName(indexes[i]))
                {
                    errors.Add($"{section}:Tables:{table}:Indexes:{i} is not a valid DynamoDB index name (3-255 of [A-Za-z0-9_.-]).");
                }
            }
        }

        if (o.PermissionSets.Count == 0)
        {
            errors.Add($"{section}:PermissionSets must define at least one permission set.");
        }

        var builder = new SessionPolicyBuilder(PermissionSetConversion.CreateScope(o));
        foreach (var (setName, set) in o.PermissionSets)
        {
            var key = $"{section}:PermissionSets:{setName}";
            if (set is null || set.Tables.Count == 0)
            {
                errors.Add($"{key}:Tables must grant access to at least one table.");
                continue;
            }

            var tablesOk = true;
            foreach (var (table, level) in set.Tables)
            {
                if (!o.Tables.ContainsKey(table))
                {
                    errors.Add($"{key}:Tables:{table} names a table that is not listed under {section}:Tables.");
                    tablesOk = false;
                }

                if (level == TableAccessLevel.None)
                {
                    errors.Add($"{key}:Tables:{table} must be Read or ReadWrite.");
                    tablesOk = false;
                }
            }

            if (!tablesOk || o.Mode == IsolationMode.Abac)
            {
                continue;
            }

            try
            {
                var length = builder.WorstCaseLength(PermissionSetConversion.ToPermissionSet(setName, set, o.Tables));
                if (length > SessionPolicyBuilder.MaxPlaintextLength)
                {
                    errors.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{key}: the worst-case session policy for permission set '{setName}' (64-character organization id, 64 shards) is {length} characters; STS accepts at most {SessionPolicyBuilder.MaxPlaintextLength}. Split the permission set or use Mode=Abac."));
                }
            }
            catch (SessionPolicyTooLargeException ex)
            {
                errors.Add($"{key}: the worst-case session policy for permission set '{setName}' is too large: {ex.Message}");
            }
#pragma warning disable CA1031 // any failure to build the policy is a configuration error to report, with the others
            catch (Exception ex)
#pragma warning restore CA1031
            {
                errors.Add($"{key}: the session policy for permission set '{setName}' cannot be built ({ex.GetType().Name}: {ex.Message}).");
            }
        }

        if (o.Roles.Count == 0)
        {
            errors.Add($"{section}:Roles must map at least one membership role to a permission set.");
        }

        foreach (var (role, setName) in o.Roles)
        {
            if (string.IsNullOrWhiteSpace(setName) || !o.PermissionSets.ContainsKey(setName))
            {
                errors.Add($"{section}:Roles:{role} maps to permission set '{setName}', which is not defined under {section}:PermissionSets.");
            }
        }
    }
}
