namespace Applications.Api;

/// <summary>The <c>Applications</c> configuration section.</summary>
internal sealed class ApplicationsOptions
{
    public const string SectionName = "Applications";

    /// <summary>The tenant table (partition key <c>organizationId</c>, sort key <c>applicationId</c>). Default <c>Applications</c>.</summary>
    public string TableName { get; set; } = "Applications";
}
