export function FieldSetupTab() {
  return <p>TODO</p>;
}
