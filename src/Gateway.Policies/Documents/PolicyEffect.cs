namespace Gateway.Policies.Documents;

public enum PolicyEffect
{
    Allow,
    Deny,
}
