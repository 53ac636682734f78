// Placeholder until the screen lands: says so instead of pretending.
export default function MyDayScreen() {
  return (
    <section>
      <h1>MyDayScreen</h1>
      <p role="status">Not built yet.</p>
    </section>
  );
}
