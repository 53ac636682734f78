// Placeholder until the screen lands: says so instead of pretending.
export default function AdminScreen() {
  return (
    <section>
      <h1>AdminScreen</h1>
      <p role="status">Not built yet.</p>
    </section>
  );
}
