using Gateway.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Authentication;

/// <summary>
/// Configures JwtBearer from <see cref="GatewayAuthenticationOptions"/>: OIDC discovery at the authority, pinned
/// asymmetric algorithms (no <c>none</c>, no HS*), issuer + audience + exp required, signed tokens only, clock skew
/// ≤ 60 s, raw claim names, <c>sub</c> required; failures become problem+json 401 <c>unauthenticated</c>.
/// </summary>
internal sealed class JwtBearerOptionsSetup(IOptions<GatewayAuthenticationOptions> gatewayOptions, ValidatedTokenCache? tokenCache = null) : IConfigureNamedOptions<JwtBearerOptions>
{
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
        options.RefreshInterval = TimeSpan.FromSeconds(30);
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
                if (tokenCache is not null && AuthorizationValue(context.Request.Headers.Authorization) is { } header && tokenCache.TryGet(header, out var principal))
                {
                    context.Principal = principal;
                    context.Success();
                }

                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                if (string.IsNullOrEmpty(context.Principal?.FindFirst(o.UserIdClaim)?.Value))
                {
                    context.Fail($"The token has no '{o.UserIdClaim}' claim.");
                    return Task.CompletedTask;
                }

                // Keyed by the exact Authorization header the token came from (no per-request substring allocation).
                if (tokenCache is not null && context.SecurityToken is JsonWebToken jwt
                    && AuthorizationValue(context.Request.Headers.Authorization) is { } header
                    && header.AsSpan(7).Trim().SequenceEqual(jwt.EncodedToken))
                {
                    tokenCache.Add(header, context.Principal!, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
                }

                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                await ProblemWriter.WriteAsync(context.HttpContext, GatewayProblem.Unauthenticated);
            },
            OnForbidden = context => ProblemWriter.WriteAsync(context.HttpContext, GatewayProblem.Forbidden),
        };
    }

    private static string? AuthorizationValue(Microsoft.Extensions.Primitives.StringValues header)
        => header.Count == 1 && header[0] is { Length: > 7 } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value : null;
}
