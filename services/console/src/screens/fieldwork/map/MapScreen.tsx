// Placeholder until the screen lands: says so instead of pretending.
export default function MapScreen() {
  return (
    <section>
      <h1>MapScreen</h1>
      <p role="status">Not built yet.</p>
    </section>
  );
}
