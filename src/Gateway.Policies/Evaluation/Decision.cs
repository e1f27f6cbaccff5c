namespace Gateway.Policies.Evaluation;

public enum Decision
{
    ImplicitDeny,
    ExplicitDeny,
    Allow,
}
