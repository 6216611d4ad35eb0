/*
 * pkcsconf's help: the general usage and one text per topic
 * ("pkcsconf --help generate").  pkcsconf(1) says the same at length.
 */
#include "pkcsconf.h"

#include <string.h>

#ifndef PCF_DEFAULT_MODULE
#error "PCF_DEFAULT_MODULE must name the installed libopenslot.so"
#endif

static const char help_general[] =
    "Usage: pkcsconf ACTION... [OPTION]...\n"
    "Show and administer the tokens of openslot, or of any PKCS#11 library.\n"
    "\n"
    "Display (may be combined; run in this order: -i -t -s -l -m):\n"
    "  -i                    library information\n"
    "  -t                    token information\n"
    "  -s                    slot information\n"
    "  -l                    short list of the slots\n"
    "  -m                    mechanisms of the tokens\n"
    "      --json            write the displays as one JSON document\n"
    "\n"
    "Token administration:\n"
    "  -I                    initialise the token (erases its objects)\n"
    "  -u                    set the user PIN, as the SO\n"
    "  -p                    change the user PIN\n"
    "  -P                    change the SO PIN\n"
    "      --kdf SPEC        set the key derivation of new PINs, as the SO:\n"
    "                        m=KIB,t=N,p=N (Argon2id), or default (the slot's)\n"
    "\n"
    "Keys and certificates (one per run):\n"
    "      --list-objects    list the objects (private ones only with -U)\n"
    "      --generate SPEC   generate a key: rsa:BITS, ec:CURVE, ed25519, ed448, aes:BITS\n"
    "      --delete          delete the objects selected by --label and --id\n"
    "      --import FILE     store a PEM private key, certificate or public key\n"
    "      --export          write the certificate or public key as PEM\n"
    "\n"
    "Options:\n"
    "  -c, --slot SLOT       the slot (default: every slot for displays, else the\n"
    "                        first slot holding a token)\n"
    "  -L, --label LABEL     the token label (-I) or the object label (keys)\n"
    "      --id HEX          the object ID, in hexadecimal\n"
    "  -S, --so-pin PIN      the SO PIN\n"
    "  -U, --user-pin PIN    the user PIN\n"
    "  -n, --new-pin PIN     the new PIN (-u, -p, -P)\n"
    "  -o, --output FILE     where --export writes (default: standard output)\n"
    "      --module PATH     the PKCS#11 library (default: $OPENSLOT_MODULE, else\n"
    "                        " PCF_DEFAULT_MODULE ")\n"
    "  -h, --help [TOPIC]    this help, or help on a topic: display, init, pin, kdf,\n"
    "                        list-objects, generate, delete, import, export, exit-codes\n"
    "      --version         the version of pkcsconf\n"
    "\n"
    "A PIN not given is asked for on the terminal, without echo, or read as one\n"
    "line of standard input when that is not a terminal.  PINs on the command\n"
    "line can be seen by other users of the machine: prefer the prompt.\n"
    "\n"
    "Exit status: 0 success, 1 PKCS#11 error, 2 usage error, 3 slotd not running\n"
    "or library not usable, 4 incorrect or locked PIN.\n";

struct help_topic {
	const char *name;
	const char *text;
};

static const struct help_topic help_topics[] = {
    {"display", "pkcsconf -i | -t | -s | -l | -m  [-c SLOT] [--json]\n"
                "\n"
                "  -i  the library: Cryptoki version, manufacturer, description, version\n"
                "  -t  each token: label, manufacturer, model, serial number, flags,\n"
                "      session counts, PIN lengths, memory, versions, time\n"
                "  -s  each slot: description, manufacturer, flags, versions\n"
                "  -l  each slot on one line: its number and description\n"
                "  -m  each token's mechanisms: name, key sizes, flags\n"
                "\n"
                "Without -c, -t and -m cover the slots holding a token, -s and -l every slot.\n"
                "With --json the requested displays form one JSON object with the members\n"
                "\"info\", \"tokens\", \"slots\", \"slot_list\" and \"mechanisms\".\n"},
    {"init", "pkcsconf -I [-c SLOT] [-L LABEL] [-S SO_PIN] [-u [-n USER_PIN]]\n"
             "\n"
             "Initialises the token: erases its objects and its user PIN and sets the\n"
             "label.  On a new token the SO PIN given becomes its SO PIN (asked twice\n"
             "on a terminal); otherwise it must be the current SO PIN.  Add -u to set\n"
             "the user PIN in the same run.  Read from standard input, the lines are:\n"
             "SO PIN, label (without -L), user PIN (with -u, without -n).\n"
             "\n"
             "  pkcsconf -I -c 0 -L mytoken\n"},
    {"pin", "pkcsconf -u [-c SLOT] [-S SO_PIN] [-n NEW_USER_PIN]\n"
            "pkcsconf -p [-c SLOT] [-U USER_PIN] [-n NEW_USER_PIN]\n"
            "pkcsconf -P [-c SLOT] [-S SO_PIN] [-n NEW_SO_PIN]\n"
            "\n"
            "  -u  the SO sets the user PIN (first time, or after it was locked)\n"
            "  -p  the user changes the user PIN\n"
            "  -P  the SO changes the SO PIN\n"
            "\n"
            "A new PIN is asked twice on a terminal.  Read from standard input, the\n"
            "lines are the current PIN, then the new one.  A wrong PIN ends with exit\n"
            "status 4 and says whether the token reports few tries left, a final try,\n"
            "or a locked PIN.\n"},
    {"kdf", "pkcsconf --kdf m=KIB,t=N,p=N | default [-c SLOT] [-S SO_PIN]\n"
            "\n"
            "The SO sets the Argon2id parameters (memory in KiB, passes, lanes) with\n"
            "which the token protects the PINs set from now on with -u, -p and -P;\n"
            "PINs already set keep theirs until they are changed.  'default' goes back\n"
            "to the slot options of openslot.conf(5).  slotd refuses less than m=19456\n"
            "and t=2 (OWASP's minimum) unless the slot options are lower, and more than\n"
            "m=1048576 and t=16 unless they are higher.  Initialising the token (-I)\n"
            "forgets the parameters.  Read from standard input, the line is the SO PIN.\n"
            "A TPM token has none: its TPM keeps its PINs.\n"
            "\n"
            "  pkcsconf --kdf m=65536,t=3,p=1 -c 0\n"},
    {"list-objects", "pkcsconf --list-objects [-c SLOT] [-U USER_PIN] [--json]\n"
                     "\n"
                     "Lists the objects of the token, sorted by label and ID: class, label, ID,\n"
                     "key type, size in bits, usage and access flags; certificates show their\n"
                     "subject.  Private objects appear only when logged in with -U.\n"},
    {"generate", "pkcsconf --generate SPEC --label LABEL [--id HEX] [-c SLOT] [-U USER_PIN]\n"
                 "\n"
                 "SPEC is one of:\n"
                 "  rsa:BITS    an RSA key pair (rsa alone: 2048 bits)\n"
                 "  ec:CURVE    an EC key pair; CURVE is prime256v1 (P-256), secp384r1,\n"
                 "              secp521r1, secp256k1, secp224r1 or brainpoolP256r1,\n"
                 "              brainpoolP384r1, brainpoolP512r1 (or their t1 forms)\n"
                 "  ed25519     an Ed25519 key pair (also ed448)\n"
                 "  aes:BITS    an AES key of 128, 192 or 256 bits (aes alone: 256)\n"
                 "\n"
                 "Both halves of a pair get the label and the ID; without --id a random\n"
                 "8-byte ID is chosen and printed.  The private key is private and\n"
                 "sensitive.  A label already used by a key of the same kind is refused.\n"
                 "\n"
                 "  pkcsconf --generate ec:prime256v1 --label web\n"},
    {"delete", "pkcsconf --delete --label LABEL | --id HEX [-c SLOT] [-U USER_PIN]\n"
               "\n"
               "Deletes every object with the label and/or ID: a key pair and its\n"
               "certificate go together when they share them.\n"},
    {"import", "pkcsconf --import FILE --label LABEL [--id HEX] [-c SLOT] [-U USER_PIN]\n"
               "\n"
               "Stores what the PEM file holds: a private key (RSA, EC, Ed25519, Ed448)\n"
               "as a private and a public key object, an X.509 certificate as a\n"
               "certificate object, or else a public key.  Without --id, a certificate\n"
               "takes the ID of the private key with the same label, so they pair up.\n"
               "\n"
               "  openssl genpkey -algorithm ed25519 -out key.pem\n"
               "  pkcsconf --import key.pem --label signer\n"},
    {"export", "pkcsconf --export --label LABEL | --id HEX [-o FILE] [-c SLOT]\n"
               "\n"
               "Writes the certificate with the label and/or ID as PEM or, when there is\n"
               "none, the public key (\"BEGIN PUBLIC KEY\").  Private keys never leave the\n"
               "token.\n"
               "\n"
               "  pkcsconf --export --label web -o web.pub\n"
               "  openssl pkey -pubin -in web.pub -text -noout\n"},
    {"exit-codes", "Exit status:\n"
                   "  0  success\n"
                   "  1  a PKCS#11 call failed; its return value (CKR_...) was printed\n"
                   "  2  usage error: bad option, missing argument, unreadable input file\n"
                   "  3  slotd is not running, the user may not reach it, or the library\n"
                   "     cannot be loaded or initialised\n"
                   "  4  incorrect or locked PIN\n"},
};

#define HELP_NTOPICS (sizeof(help_topics) / sizeof(help_topics[0]))

int pcf_help_show(const char *topic)
{
	if (topic == NULL) {
		fputs(help_general, stdout);
		return PCF_EXIT_OK;
	}
	for (size_t i = 0; i < HELP_NTOPICS; i++) {
		if (strcmp(topic, help_topics[i].name) == 0) {
			fputs(help_topics[i].text, stdout);
			return PCF_EXIT_OK;
		}
	}
	os_log(LOG_ERR, "no help on '%s'", topic);
	fputs("Topics: display, init, pin, kdf, list-objects, generate, delete, import, "
	      "export, exit-codes\n",
	      stderr);
	return PCF_EXIT_USAGE;
}
