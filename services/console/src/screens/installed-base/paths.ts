// Where the installed base's pages live (absolute, so links work from any nested route).
const ROOT = "/installed-base";

export const paths = {
  customers: `${ROOT}/customers`,
  newCustomer: `${ROOT}/customers/new`,
  customer: (id: string) => `${ROOT}/customers/${id}`,
  editCustomer: (id: string) => `${ROOT}/customers/${id}/edit`,
  serialItems: `${ROOT}/serial-items`,
  serialItemsOf: (ownerId: string) => `${ROOT}/serial-items?owner_customer_id=${encodeURIComponent(ownerId)}`,
  newSerialItem: `${ROOT}/serial-items/new`,
  serialItem: (id: string) => `${ROOT}/serial-items/${id}`,
  editSerialItem: (id: string) => `${ROOT}/serial-items/${id}/edit`,
  imports: `${ROOT}/imports`,
  importJob: (id: string) => `${ROOT}/imports/${id}`,
  /** The callouts screen's list of one item's callouts. */
  calloutsOf: (itemId: string) => `/callouts/serial-items/${itemId}`,
};
