// Placeholder until the screen lands: says so instead of pretending.
export default function PlanningScreen() {
  return (
    <section>
      <h1>PlanningScreen</h1>
      <p role="status">Not built yet.</p>
    </section>
  );
}
