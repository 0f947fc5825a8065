/**
 * The EPC binary codec (GS1 EPC Tag Data Standard 2.x): decode hex EPCs,
 * encode EPC URIs, escape URI components. Re-exported by protocols' index.
 */
export { type DecodedEpc, decodeEpc, MAX_EPC_HEX_DIGITS, type RawEpc } from "./decode-epc.js";
export { DEFAULT_EPC_FILTER, type EncodeEpcOptions, encodeEpc } from "./encode-epc.js";
export { escapeEpcUriComponent, unescapeEpcUriComponent } from "./epc-uri.js";
export { type EpcError, EpcErrorCode, type EpcResult } from "./errors.js";
export { EPC_BINARY_SCHEMES, type EpcBinaryScheme, type EpcType } from "./headers.js";
export type { PartitionRow } from "./partition-tables.js";
export { ADIVAR_HEADER, type AdiFields, type AdiVar } from "./schemes/adi.js";
export { CPI96_HEADER, CPIVAR_HEADER, type Cpi96, type CpiFields, type CpiVar } from "./schemes/cpi.js";
export { GDTI96_HEADER, GDTI174_HEADER, type Gdti96, type Gdti174, type GdtiFields } from "./schemes/gdti.js";
export { GIAI96_HEADER, GIAI202_HEADER, type Giai96, type Giai202, type GiaiFields } from "./schemes/giai.js";
export { GID96_HEADER, type Gid96, type GidFields } from "./schemes/gid.js";
export { GRAI96_HEADER, GRAI170_HEADER, type Grai96, type Grai170, type GraiFields } from "./schemes/grai.js";
export { GSRN96_HEADER, GSRNP96_HEADER, type Gsrn96, type GsrnFields, type Gsrnp96 } from "./schemes/gsrn.js";
export { ITIP110_HEADER, ITIP212_HEADER, type Itip110, type Itip212, type ItipFields } from "./schemes/itip.js";
export { SGCN96_HEADER, type Sgcn96, type SgcnFields } from "./schemes/sgcn.js";
export { SGLN96_HEADER, SGLN195_HEADER, type Sgln96, type Sgln195, type SglnFields } from "./schemes/sgln.js";
export { SGTIN96_HEADER, SGTIN198_HEADER, type Sgtin96, type Sgtin198, type SgtinFields } from "./schemes/sgtin.js";
export { SSCC96_HEADER, type Sscc96, type SsccFields } from "./schemes/sscc.js";
export { USDOD96_HEADER, type Usdod96, type UsdodFields } from "./schemes/usdod.js";
export { decodeSgtin96, encodeSgtin96, type Sgtin96Fields } from "./sgtin96.js";
