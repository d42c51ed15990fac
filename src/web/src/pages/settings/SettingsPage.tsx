// Placeholder: being built (issue 20).
export default function SettingsPage() {
  return <h1>SettingsPage</h1>;
}
