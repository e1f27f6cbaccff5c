using Gateway.Policies;

namespace LocalAws.Identity;

/// <summary>
/// Where LocalAws's IAM users, roles and policies come from: today the <c>LocalAws</c> section of the config file
/// (<see cref="Configuration.ConfigFileIamSource"/>); a CloudFormation template can plug in the same way. A source only
/// reads and validates its own format; <see cref="IamDirectory"/> is what the endpoints query.
/// </summary>
internal interface IIamSource
{
    /// <summary>Names the source in error messages (e.g. the file path).</summary>
    string Description { get; }

    /// <summary>
    /// Reads every user and role, with ARNs in <paramref name="scope"/>'s account. Throws
    /// <see cref="InvalidOperationException"/> listing every error at once, each naming the offending key.
    /// </summary>
    IamDefinitions Load(AwsScope scope);
}
