namespace LoadTests.Scenarios;

/// <summary>
/// One kind of cross-tenant attack: <paramref name="Name"/> becomes the step name (<c>attack/NAME</c>); <paramref name="Build"/>
/// makes the request for attacker organization index <c>a</c> against victim index <c>v</c>.
/// </summary>
internal sealed record Attack(string Name, string Description, Func<AttackTarget, HttpRequestMessage> Build);
