/** Product name in payload headers and metadata. */
export const PRODUCT_NAME = 'Kubeguard';

/** Vendor name (CEF Device Vendor, OCSF vendor_name). */
export const VENDOR_NAME = 'Kubeguard';

/** The release stamped on payloads unless a sink's configuration says otherwise. */
export const PRODUCT_VERSION = '0.1.0';
