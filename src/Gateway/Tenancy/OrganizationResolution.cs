using Gateway.Problems;
using Gateway.Policies;

namespace Gateway.Tenancy;

/// <summary>The requested organization, or why none could be determined.</summary>
internal readonly record struct OrganizationResolution(GatewayProblem Problem, OrganizationId OrganizationId)
{
    public bool Succeeded => Problem == GatewayProblem.None;

    public static OrganizationResolution Failed(GatewayProblem problem) => new(problem, default);
}
