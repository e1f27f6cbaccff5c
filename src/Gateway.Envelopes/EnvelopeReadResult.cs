using System.Diagnostics.CodeAnalysis;

namespace Gateway.Envelopes;

/// <summary>The outcome of <see cref="TenantEnvelopeReader.Read"/>: an envelope, or a failure code.</summary>
public sealed class EnvelopeReadResult
{
    private EnvelopeReadResult(TenantEnvelope? envelope, string? failureCode, string? failureReason)
    {
        Envelope = envelope;
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

    /// <summary>A successful result.</summary>
    public static EnvelopeReadResult Success(TenantEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return new EnvelopeReadResult(envelope, null, null);
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
