/*
 * Force-included by `make analyze` into cppcheck's view of every file. cppcheck is not
 * given the system headers (slow, and their findings are not ours), so library macros that
 * expand to statements must be spelled out here, as jansson defines them, or cppcheck stops
 * at them ("unknown macro") instead of checking the code around them.
 */
#define json_object_foreach(object, key, value)                                                   \
    for (key = json_object_iter_key(json_object_iter(object));                                    \
         key && (value = json_object_iter_value(json_object_key_to_iter(key)));                   \
         key = json_object_iter_key(json_object_iter_next(object, json_object_key_to_iter(key))))
#define json_array_foreach(array, index, value)                                                   \
    for (index = 0; index < json_array_size(array) && (value = json_array_get(array, index));     \
         index++)
