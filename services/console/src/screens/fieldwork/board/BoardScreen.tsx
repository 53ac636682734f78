// Placeholder until the screen lands: says so instead of pretending.
export default function BoardScreen() {
  return (
    <section>
      <h1>BoardScreen</h1>
      <p role="status">Not built yet.</p>
    </section>
  );
}
