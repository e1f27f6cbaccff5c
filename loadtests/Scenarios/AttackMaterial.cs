namespace LoadTests.Scenarios;

/// <summary>Pre-made forged material: an expired token of the attacker and a forged envelope per victim.</summary>
internal sealed record AttackMaterial(string ExpiredToken, Func<string, string> ForgedEnvelopeFor);
