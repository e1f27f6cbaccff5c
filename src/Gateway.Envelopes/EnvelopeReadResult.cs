using System.Diagnostics.CodeAnalysis;

namespace Gateway.Envelopes;

/// <summary>The outcome of <see cref="TenantEnvelopeReader.Read"/>: an envelope, or a failure code.</summary>
public sealed class EnvelopeReadResult
{
    private EnvelopeReadResult(TenantEnvelope? envelope, string? failureCode, string? failureReason, DateTimeOffset? expiresAt = null)
    {
        Envelope = envelope;
        ExpiresAt = expiresAt;
        FailureCode = failureCode;
        FailureReason = failureReason;
    }

    /// <summary>True when the envelope was decrypted and every check passed.</summary>
    [MemberNotNullWhen(true, nameof(Envelope))]
    [MemberNotNullWhen(false, nameof(FailureCode), nameof(FailureReason))]
    public bool Succeeded => Envelope is not null;

    /// <summary>The verified envelope when <see cref="Succeeded"/>.</summary>
    public TenantEnvelope? Envelope { get; }

    /// <summary>One of <see cref="EnvelopeFailureCodes"/> when not <see cref="Succeeded"/>.</summary>
    public string? FailureCode { get; }

    /// <summary>A short, log-safe reason (never a claim value or key) when not <see cref="Succeeded"/>.</summary>
    public string? FailureReason { get; }

    /// <summary>
    /// When <see cref="Succeeded"/> and read by <see cref="TenantEnvelopeReader"/>: the envelope's <c>exp</c> (without clock
    /// skew) or the credentials' expiration, whichever is first — until then the same bytes verify the same way, so a
    /// caller may reuse this result for them. Null for failures and for results made without a time.
    /// </summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>A successful result.</summary>
    public static EnvelopeReadResult Success(TenantEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return new EnvelopeReadResult(envelope, null, null);
    }

    /// <summary>A successful result that may be reused for the same envelope bytes until <paramref name="expiresAt"/>.</summary>
    public static EnvelopeReadResult Success(TenantEnvelope envelope, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return new EnvelopeReadResult(envelope, null, null, expiresAt);
    }

    /// <summary>A failed result with a code from <see cref="EnvelopeFailureCodes"/> and a log-safe reason.</summary>
    public static EnvelopeReadResult Failure(string failureCode, string failureReason)
    {
        ArgumentException.ThrowIfNullOrEmpty(failureCode);
        ArgumentException.ThrowIfNullOrEmpty(failureReason);
        return new EnvelopeReadResult(null, failureCode, failureReason);
    }

    /// <inheritdoc />
    public override string ToString() =>
        Succeeded ? $"Succeeded ({Envelope.OrganizationId}/{Envelope.UserId})" : $"{FailureCode}: {FailureReason}";
}
