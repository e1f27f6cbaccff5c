using k8s.Models;

namespace Deploy.Tests;

/// <summary>
/// Ingress semantics of the example NetworkPolicies (the subset they use: pod and namespace selectors with matchLabels,
/// named or numbered TCP ports): would a connection from a pod to a pod's port be admitted?
/// </summary>
internal static class NetworkPolicyModel
{
    public static bool Admits(IEnumerable<V1NetworkPolicy> policies, Pod target, Pod source, V1Container targetContainer, int port)
    {
        var selecting = policies
            .Where(p => p.Namespace() == target.Namespace && Manifests.Matches(p.Spec.PodSelector, target.Labels))
            .Where(p => p.Spec.PolicyTypes is null || p.Spec.PolicyTypes.Contains("Ingress"))
            .ToList();
        if (selecting.Count == 0)
        {
            return true; // not isolated for ingress
        }

        return selecting.SelectMany(p => (p.Spec.Ingress ?? []).Select(rule => (Policy: p, Rule: rule)))
            .Any(x => PeerAllowed(x.Policy, x.Rule, source) && PortAllowed(x.Rule, targetContainer, port));
    }

    private static bool PeerAllowed(V1NetworkPolicy policy, V1NetworkPolicyIngressRule rule, Pod source)
    {
        if (rule.FromProperty is null || rule.FromProperty.Count == 0)
        {
            return true;
        }

        return rule.FromProperty.Any(peer =>
        {
            if (peer.IpBlock is not null)
            {
                return false; // pod-to-pod traffic in these examples; an ipBlock never names a pod
            }

            var namespaceOk = peer.NamespaceSelector is null
                ? source.Namespace == policy.Namespace()
                : Manifests.Matches(peer.NamespaceSelector, source.NamespaceLabels);
            var podOk = peer.PodSelector is null || Manifests.Matches(peer.PodSelector, source.Labels);
            return namespaceOk && podOk;
        });
    }

    private static bool PortAllowed(V1NetworkPolicyIngressRule rule, V1Container container, int port)
    {
        if (rule.Ports is null || rule.Ports.Count == 0)
        {
            return true;
        }

        return rule.Ports.Any(p => (p.Protocol ?? "TCP") == "TCP" && (p.Port is null || Manifests.Resolve(p.Port, container)?.ContainerPort == port));
    }
}

internal sealed record Pod(string Namespace, IDictionary<string, string> Labels, IDictionary<string, string> NamespaceLabels);
