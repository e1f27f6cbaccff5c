using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Authentication;

/// <summary>
/// Configures JwtBearer from <see cref="GatewayAuthenticationOptions"/>: OIDC discovery at the authority, pinned
/// asymmetric algorithms (no <c>none</c>, no HS*), issuer + audience + exp required, signed tokens only, clock skew
/// ≤ 60 s, raw claim names, a valid user id required (<see cref="IdentityClaims"/>). Failures only record their reason
/// (<see cref="AuthenticationRefusal"/>): the refusal is written by <see cref="ProblemAuthorizationResultHandler"/>.
/// </summary>
internal sealed class JwtBearerOptionsSetup(IOptions<GatewayAuthenticationOptions> gatewayOptions, ValidatedTokenCache? tokenCache = null, SigningKeyFreshness? freshness = null) : IConfigureNamedOptions<JwtBearerOptions>, IPostConfigureOptions<JwtBearerOptions>
{
    /// <summary>
    /// After JwtBearer created its configuration manager: no "last known good" configuration. IdentityModel otherwise
    /// retries a token whose key is not in the current JWKS against the previous configuration (for up to an hour by
    /// default), so a key the authority withdrew would still be accepted.
    /// </summary>
    public void PostConfigure(string? name, JwtBearerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name != JwtBearerDefaults.AuthenticationScheme)
        {
            return;
        }

        options.TokenValidationParameters.ValidateWithLKG = false;
        if (options.ConfigurationManager is BaseConfigurationManager manager)
        {
            manager.UseLastKnownGoodConfiguration = false;
        }
    }

    public void Configure(JwtBearerOptions options) => Configure(JwtBearerDefaults.AuthenticationScheme, options);

    public void Configure(string? name, JwtBearerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name != JwtBearerDefaults.AuthenticationScheme)
        {
            return;
        }

        var o = gatewayOptions.Value;
        var authority = o.Authority?.ToString().TrimEnd('/');
        options.Authority = authority;
        options.RequireHttpsMetadata = !o.AllowHttpAuthority;
        options.MapInboundClaims = false;
        options.SaveToken = false;
        options.IncludeErrorDetails = false;
        options.RefreshOnIssuerKeyNotFound = true;
        options.AutomaticRefreshInterval = TimeSpan.FromHours(1);
        // SigningKeyRefresher asks for a refresh every SigningKeyRefreshInterval; RefreshInterval is the least time between
        // two requested refreshes, so it must be shorter than that (also bounds refreshes on unknown kids).
        options.RefreshInterval = SigningKeyRefresher.MinimumGap(o.SigningKeyRefreshInterval);
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = string.IsNullOrWhiteSpace(o.Issuer) ? authority : o.Issuer,
            ValidateAudience = true,
            ValidAudience = o.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ValidAlgorithms = o.Algorithms,
            ClockSkew = o.ClockSkew,
            NameClaimType = o.UserIdClaim,
            RoleClaimType = "roles",
            TryAllIssuerSigningKeys = false,
        };
        options.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                // Fail closed: no JWKS fetch succeeded for longer than MaxSigningKeyStaleness, so the keys in hand may
                // include one the authority withdrew. Neither the validated-token cache nor validation is used.
                if (freshness is not null && freshness.IsStale)
                {
                    AuthenticationRefusal.Set(context.HttpContext, AuthenticationRefusal.SigningKeysStale);
                    context.Fail("The authority's signing keys could not be fetched for longer than MaxSigningKeyStaleness.");
                    return Task.CompletedTask;
                }

                if (tokenCache is not null && ValidatedTokenCache.BearerValue(context.Request.Headers.Authorization) is { } header && tokenCache.TryGet(header, out var principal))
                {
                    context.Principal = principal;
                    context.Success();
                }

                return Task.CompletedTask;
            },
            OnAuthenticationFailed = context =>
            {
                AuthenticationRefusal.Set(context.HttpContext, AuthenticationRefusal.InvalidToken);
                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                // One rule (IdentityClaims) for user ids and organization claims: a value that could forge a log line or
                // cannot key the membership table is refused here (401), not discovered later as a store failure (503).
                // TokenShape: no crit header, no claim twice, identity claims are JSON strings.
                if (context.SecurityToken is not JsonWebToken validated
                    || TokenShape.Problem(validated, o.UserIdClaim, o.OrganizationClaim) is not null
                    || context.Principal is null
                    || !IdentityClaims.OrganizationClaimsValid(context.Principal, o.OrganizationClaim)
                    || GatewayPrincipal.From(context.Principal, o.UserIdClaim, o.OrganizationClaim) is not { } principal)
                {
                    AuthenticationRefusal.Set(context.HttpContext, AuthenticationRefusal.InvalidIdentity);
                    context.Fail($"The token's '{o.UserIdClaim}' or '{o.OrganizationClaim}' claim is missing or not a valid identity value.");
                    return Task.CompletedTask;
                }

                // JwtBearer's configuration manager may still hold a key the refresher's last successful fetch no longer
                // lists (its own refresh runs in the background): such a token is refused as if the key were unknown.
                if (tokenCache is not null && !tokenCache.IsPublished(ValidatedTokenCache.Identity(validated.SigningKey)))
                {
                    AuthenticationRefusal.Set(context.HttpContext, AuthenticationRefusal.InvalidToken);
                    context.Fail("The token's signing key is not in the authority's current JWKS.");
                    return Task.CompletedTask;
                }

                // The identity values just checked travel with the principal (and with it through the token cache).
                context.Principal = principal;

                // Keyed by the exact Authorization header the token came from (no per-request substring allocation).
                if (tokenCache is not null && context.SecurityToken is JsonWebToken jwt
                    && ValidatedTokenCache.BearerValue(context.Request.Headers.Authorization) is { } header
                    && header.AsSpan(7).Trim().SequenceEqual(jwt.EncodedToken))
                {
                    tokenCache.Add(header, context.Principal!, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero), ValidatedTokenCache.Identity(jwt.SigningKey));
                }

                return Task.CompletedTask;
            },
        };
    }
}
