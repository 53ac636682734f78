// Placeholder until the screen lands: says so instead of pretending.
export default function ServiceTypesScreen() {
  return (
    <section>
      <h1>ServiceTypesScreen</h1>
      <p role="status">Not built yet.</p>
    </section>
  );
}
