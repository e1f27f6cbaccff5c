namespace Gateway.Isolation.Configuration;

/// <summary>Granularity of STS sessions (and of the credential cache key).</summary>
public enum CredentialScope
{
    /// <summary>One session per (organization, permission set), shared by the organization's users.</summary>
    Organization = 0,

    /// <summary>One session per (organization, permission set, user); SourceIdentity = user.</summary>
    User = 1,
}
