# cmake -DINPUT=model.kite -DOUTPUT=model_data.c -P bin2c.cmake
# The .kite file as a 64-byte-aligned (KITE_MODEL_ALIGNMENT) const array (it stays in flash) and its size.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" length)
math(EXPR bytes "${length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE "${OUTPUT}" "/* Generated from ${INPUT} by bin2c.cmake. */\n"
  "const unsigned char kite_model_data[] __attribute__((aligned(64))) = {\n${body}\n};\n"
  "const unsigned int kite_model_size = ${bytes}u;\n")
