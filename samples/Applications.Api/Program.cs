using Applications.Api;

// Content root = the app's folder, so its own appsettings.json is read even when started from the repository root
// (whose appsettings.json is the gateway's).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.Services.AddTenantContext();
builder.Services.AddOptions<ApplicationsOptions>().BindConfiguration(ApplicationsOptions.SectionName);
builder.Services.AddProblemDetails();

var app = builder.Build();
app.UseTenantContext();
app.MapApplicationEndpoints();
await app.RunAsync();
