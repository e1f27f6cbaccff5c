namespace LoadTests.Scenarios;

/// <summary>Inputs of one attack request: the gateway, the attacker's organization and token, the victim's organization.</summary>
internal sealed record AttackTarget(Uri Gateway, string AttackerOrganization, string AttackerToken, string VictimOrganization, AttackMaterial Material);
