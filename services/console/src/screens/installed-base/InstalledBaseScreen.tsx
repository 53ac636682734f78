// Placeholder until the screen lands: says so instead of pretending.
export default function InstalledBaseScreen() {
  return (
    <section>
      <h1>InstalledBaseScreen</h1>
      <p role="status">Not built yet.</p>
    </section>
  );
}
