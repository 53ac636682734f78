// Who may do what on this screen, as campaigns decides it (services/campaigns README,
// "Roles"); the gateway and the service refuse the same, the screen hides it.
import { useSession, type User } from "../../auth/session";

/** Campaign writes: an admin without org-unit restriction (a campaign spans org units). */
export function managesCampaigns(user: User | null | undefined): boolean {
  return !!user && user.roles.includes("admin") && (user.org_units ?? []).length === 0;
}

/** Closing a case by hand: operators and admins. */
export function closesCases(user: User | null | undefined): boolean {
  return !!user && (user.roles.includes("admin") || user.roles.includes("operator"));
}

export function useCampaignRoles(): { manager: boolean; closer: boolean; admin: boolean } {
  const { user, hasRole } = useSession();
  return { manager: managesCampaigns(user), closer: closesCases(user), admin: hasRole("admin") };
}
