namespace Gateway.Isolation.Configuration;

/// <summary>The <c>TenantIsolation:Sts</c> section (<see cref="StsResilienceOptions"/>).</summary>
internal static class StsResilienceOptionsValidator
{
    public static void Validate(StsResilienceOptions r, string section, List<string> errors)
    {
        if (r.AttemptTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{section}:AttemptTimeout must be positive.");
        }

        if (r.TotalTimeout < r.AttemptTimeout)
        {
            errors.Add($"{section}:TotalTimeout ({r.TotalTimeout}) must be at least AttemptTimeout ({r.AttemptTimeout}).");
        }

        if (r.MaxRetries is < 0 or > 10)
        {
            errors.Add($"{section}:MaxRetries must be between 0 and 10.");
        }

        if (r.RetryBaseDelay <= TimeSpan.Zero)
        {
            errors.Add($"{section}:RetryBaseDelay must be positive.");
        }

        if (r.CircuitFailureRatio is <= 0 or > 1)
        {
            errors.Add($"{section}:CircuitFailureRatio must be in (0, 1].");
        }

        if (r.CircuitMinimumThroughput < 2)
        {
            errors.Add($"{section}:CircuitMinimumThroughput must be at least 2.");
        }

        if (r.CircuitSamplingDuration < TimeSpan.FromMilliseconds(500))
        {
            errors.Add($"{section}:CircuitSamplingDuration must be at least 500 ms.");
        }

        if (r.CircuitBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            errors.Add($"{section}:CircuitBreakDuration must be at least 500 ms.");
        }

        if (r.MaxConcurrency < 1)
        {
            errors.Add($"{section}:MaxConcurrency must be at least 1.");
        }

        if (r.QueueLimit < 0)
        {
            errors.Add($"{section}:QueueLimit must not be negative.");
        }

        if (r.RetryAfter < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{section}:RetryAfter must be at least 1 second.");
        }

        if (r.HealthWindow < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{section}:HealthWindow must be at least 1 second.");
        }

        if (r.HealthFailureRatio is <= 0 or > 1)
        {
            errors.Add($"{section}:HealthFailureRatio must be in (0, 1].");
        }

        if (r.HealthMinimumCalls < 1)
        {
            errors.Add($"{section}:HealthMinimumCalls must be at least 1.");
        }

        if (r.MaxAssumeRolePerSecond is < 1 or > 600)
        {
            errors.Add($"{section}:MaxAssumeRolePerSecond must be between 1 and 600 (AWS's AssumeRole quota per account is about 600 per second).");
        }

        if (r.AdmissionTimeout < TimeSpan.FromMilliseconds(100) || r.AdmissionTimeout > r.TotalTimeout)
        {
            errors.Add($"{section}:AdmissionTimeout ({r.AdmissionTimeout}) must be at least 100 ms and at most TotalTimeout ({r.TotalTimeout}).");
        }

        if (r.ExpectedInstances is < 1 or > 1000)
        {
            errors.Add($"{section}:ExpectedInstances must be between 1 and 1000.");
        }
    }
}
