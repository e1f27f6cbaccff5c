using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Forwarding;

/// <summary>
/// YARP's <c>PathPattern</c> transform (<see cref="PathRouteValuesTransform"/>) with its <see cref="TemplateBinder"/> made
/// once per route instead of once per request. The binding is YARP's: only the pattern's parameters are copied from the
/// route values (others would become query parameters) into a fresh dictionary (binding modifies it), then bound.
/// <see cref="TenantTransformProvider"/> puts it in place of YARP's instance.
/// </summary>
internal sealed class PathPatternTransform : RequestTransform
{
    private readonly RoutePattern _pattern;
    private readonly TemplateBinder _binder;

    public PathPatternTransform(string pattern, TemplateBinderFactory binderFactory)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(binderFactory);
        _pattern = RoutePatternFactory.Parse(pattern);
        _binder = binderFactory.Create(_pattern); // thread-safe, as the link generator's cached binders are
    }

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var routeValues = context.HttpContext.Request.RouteValues;
        var values = new RouteValueDictionary();
        var parameters = _pattern.Parameters;
        for (var i = 0; i < parameters.Count; i++)
        {
            if (routeValues.TryGetValue(parameters[i].Name, out var value))
            {
                values[parameters[i].Name] = value;
            }
        }

        context.Path = _binder.BindValues(acceptedValues: values);
        return default;
    }
}
