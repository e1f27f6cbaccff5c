namespace Gateway.Isolation.Configuration;

/// <summary>What a permission set grants on a table.</summary>
public enum TableAccessLevel
{
    None = 0,
    Read = 1,
    ReadWrite = 2,
}
