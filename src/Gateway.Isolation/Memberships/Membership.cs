namespace Gateway.Isolation.Memberships;

/// <summary>A membership lookup result; <see cref="Role"/> is set for members.</summary>
internal sealed record Membership(MembershipStatus Status, string? Role)
{
    public static readonly Membership NotAMember = new(MembershipStatus.NotAMember, null);

    /// <summary>A membership item with a role (an item without one admits nobody).</summary>
    public bool IsMember => Status == MembershipStatus.Member && !string.IsNullOrEmpty(Role);
}
