// Placeholder until the screen lands: says so instead of pretending.
export default function FieldworkScreen() {
  return (
    <section>
      <h1>FieldworkScreen</h1>
      <p role="status">Not built yet.</p>
    </section>
  );
}
