import * as pkijs from 'pkijs';
import { AppError } from '../core/index.ts';
import { type Holder, holderFromAltNames } from './holder.ts';
import { OID, parseDer } from './x509.ts';

/**
 * The 4 basic items of a signature certificate (DER), as a relying party reads them;
 * undefined for a certificate that carries none (an authentication certificate).
 * Bytes that are not an X.509 certificate fail with PKI_CERTIFICATE_MALFORMED.
 */
export function certificateHolder(der: Uint8Array): Holder | undefined {
  let cert: pkijs.Certificate;
  try {
    const parsed = parseDer(der);
    if (parsed === undefined) throw new Error('not one DER value');
    cert = new pkijs.Certificate({ schema: parsed });
  } catch (cause) {
    throw new AppError('PKI_CERTIFICATE_MALFORMED', 'invalid', 'the bytes are not an X.509 certificate', {
      cause,
    });
  }
  const san = cert.extensions?.find((e) => e.extnID === OID.subjectAltName);
  return san === undefined ? undefined : holderFromAltNames(san.extnValue.valueBlock.valueHexView);
}
