// Placeholder until the screen lands: says so instead of pretending.
export default function CampaignsScreen() {
  return (
    <section>
      <h1>CampaignsScreen</h1>
      <p role="status">Not built yet.</p>
    </section>
  );
}
