namespace Gateway.Verification;

/// <summary>What a probe must observe to pass.</summary>
public enum ProbeExpectation
{
    /// <summary>The call succeeds.</summary>
    Allowed,

    /// <summary>The call fails with AccessDenied(Exception).</summary>
    Denied,

    /// <summary>
    /// Anything but AccessDenied: the authorized twin of a transaction probe. LocalAws forwards authorized transactions
    /// to dynalite, which answers UnknownOperationException; real DynamoDB executes them.
    /// </summary>
    NotDenied,
}
