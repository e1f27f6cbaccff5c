namespace Gateway.Isolation.Caching;

/// <summary>Publishes a <see cref="CredentialsRejectedMessage"/> to every instance of the fleet (fire and forget).</summary>
internal interface IFleetAnnouncer
{
    Task AnnounceAsync(CredentialsRejectedMessage message, CancellationToken cancellationToken);
}
