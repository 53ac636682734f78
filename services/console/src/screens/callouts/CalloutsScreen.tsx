// Placeholder until the screen lands: says so instead of pretending.
export default function CalloutsScreen() {
  return (
    <section>
      <h1>CalloutsScreen</h1>
      <p role="status">Not built yet.</p>
    </section>
  );
}
