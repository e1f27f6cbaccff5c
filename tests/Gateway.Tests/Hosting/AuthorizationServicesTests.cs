using Gateway.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The authorization services every request resolves (ASP.NET Core registers them transient) are built once: the same
/// instances in every request scope, so a request no longer allocates the chain policy evaluator → authorization service
/// → handler provider → handlers. What they decide is pinned by the pipeline and end-to-end tests.
/// </summary>
public sealed class AuthorizationServicesTests
{
    [Fact]
    public async Task AddTenantGateway_AuthorizationServices_OneInstanceForEveryRequestScope()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = RepoPaths.Root, EnvironmentName = "Local" });
        builder.Services.AddTenantGateway(builder.Configuration);
        await using var app = builder.Build();

        using var first = app.Services.CreateScope();
        using var second = app.Services.CreateScope();

        Assert.Same(first.ServiceProvider.GetRequiredService<IPolicyEvaluator>(), second.ServiceProvider.GetRequiredService<IPolicyEvaluator>());
        Assert.Same(first.ServiceProvider.GetRequiredService<IAuthorizationService>(), second.ServiceProvider.GetRequiredService<IAuthorizationService>());
        Assert.Same(first.ServiceProvider.GetRequiredService<IAuthorizationHandlerProvider>(), second.ServiceProvider.GetRequiredService<IAuthorizationHandlerProvider>());
        Assert.Equal(
            first.ServiceProvider.GetServices<IAuthorizationHandler>(),
            second.ServiceProvider.GetServices<IAuthorizationHandler>());
        Assert.NotEmpty(first.ServiceProvider.GetServices<IAuthorizationHandler>());
    }
}
