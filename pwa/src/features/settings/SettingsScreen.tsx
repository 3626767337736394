import { PageHeader } from "../../components/PageHeader.tsx";

export default function SettingsScreen() {
  return <PageHeader title="SettingsScreen" />;
}
