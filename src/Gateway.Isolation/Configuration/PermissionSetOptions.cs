namespace Gateway.Isolation.Configuration;

/// <summary>A named permission set: access per tenant table.</summary>
public sealed class PermissionSetOptions
{
    /// <summary>Table name → access (Read / ReadWrite). Tables must be listed under TenantIsolation:Tables.</summary>
    public Dictionary<string, TableAccessLevel> Tables { get; set; } = new(StringComparer.Ordinal);

    /// <summary>ABAC mode only: a role for this permission set (default: TenantIsolation:RoleArn).</summary>
    public string? RoleArn { get; set; }
}
